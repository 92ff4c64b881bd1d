// DurableAgentOps in one resource group, as a team deploys it (docs/DEPLOY.md): the main Functions app and the writer app
// on Flex Consumption, their storage reached by identity only, one user-assigned identity per catalogue identity (each
// attached to the app the catalogue names) plus each app's own, a Key
// Vault for the signing key and secrets, Application Insights, and write-once storage for signed tree heads. The
// identities come from the same catalogue the validator and the runtime read (workflows/identities.yaml), so the
// infrastructure and the workflow files cannot drift apart.
targetScope = 'resourceGroup'

@description('Azure region of every resource.')
param location string = resourceGroup().location

@description('Prefix of every resource name: <prefix>-host, <prefix>-<catalogue identity>, …')
@minLength(2)
@maxLength(16)
param namePrefix string = 'agentops'

@description('The environment this deployment is (dev, prod, …): a tag on every resource.')
param environmentName string

@description('OpenID Connect authority people and the CLI sign in with: https://login.microsoftonline.com/<tenant>/v2.0.')
param authority string = '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'

@description('Client id of the host\'s app registration (infra/entra-app.sh): the approval pages sign people in with it.')
param pagesClientId string

@description('The audience of tokens for the host. Entra ID\'s v2 access tokens name the app registration\'s client id.')
param audience string = pagesClientId

@description('Base64 of at least 32 random bytes (openssl rand -base64 32): signs approval links.')
@secure()
param linkSigningKey string

@description('Base64 of exactly 32 random bytes (openssl rand -base64 32): seals redacted values.')
@secure()
param evidenceVaultKey string

@description('Base64 of at least 32 random bytes (openssl rand -base64 32): signs write intents for the writer app.')
@secure()
param writeIntentKey string

@description('The approval pages\' client secret at the authority (Entra ID needs one for a web sign-in); empty: none.')
@secure()
param pagesClientSecret string = ''

@description('Base64 of exactly 32 random bytes (openssl rand -base64 32): encrypts the on-behalf-of sessions of runs whose steps act for their starter (actsFor: initiator). Empty: the host acts for nobody and refuses such workflows at start.')
@secure()
param delegationCacheKey string = ''

@description('More app settings (docs/SETTINGS.md): systems\' base URLs, email, Teams, the model endpoint.')
param extraSettings object = {}

@description('Storage account name (3-24 lowercase letters and digits, globally unique).')
@minLength(3)
@maxLength(24)
param storageAccountName string = 'ao${uniqueString(resourceGroup().id, namePrefix)}'

@description('Storage account name of the writer app (its package, runtime data and intent record; an account of its own).')
@minLength(3)
@maxLength(24)
param writerStorageAccountName string = 'aow${uniqueString(resourceGroup().id, namePrefix)}'

@description('Storage account name for anchored tree heads (an account of its own).')
@minLength(3)
@maxLength(24)
param anchorAccountName string = 'aoa${uniqueString(resourceGroup().id, namePrefix)}'

@description('Functions app name: <name>.azurewebsites.net must be free across Azure.')
@minLength(2)
@maxLength(60)
param appName string = '${namePrefix}-${uniqueString(resourceGroup().id, namePrefix)}'

@description('The writer app\'s name (isolation: separate-writer): <name>.azurewebsites.net must be free across Azure.')
@minLength(2)
@maxLength(60)
param writerAppName string = '${namePrefix}-writer-${uniqueString(resourceGroup().id, namePrefix)}'

@description('Key Vault purge protection: on in production; off lets a deleted dev vault\'s name be reused at once.')
param purgeProtection bool = true

@description('Key Vault name (3-24 characters, globally unique).')
@minLength(3)
@maxLength(24)
param vaultName string = 'ao-${uniqueString(resourceGroup().id, namePrefix)}'

@description('.NET version of the isolated worker.')
param dotnetVersion string = '10.0'

@description('Most instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory per instance (MB).')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Days the Log Analytics workspace keeps logs.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

@description('Days an anchored tree head cannot be changed or deleted.')
@minValue(1)
@maxValue(146000)
param anchorRetentionDays int = 365

var catalogueFile = loadYamlContent('../workflows/identities.yaml')
// A managed identity per service identity. An identity that acts for people (actsFor) is no managed identity: its
// clientIds.azure names the host API's app registration (pagesClientId), which exchanges the person's token for theirs.
var catalogueIdentities = filter(items(catalogueFile.identities), e => !contains(e.value, 'actsFor'))
// Several delegated identities name the same app (one setting): union() keeps each setting name once.
var delegatedSettingNames = union(map(filter(items(catalogueFile.identities), e => contains(e.value, 'actsFor')),
  e => replace(replace(e.value.clientIds.azure, '\${', ''), '}', '')), [])
var delegatedSettings = toObject(delegatedSettingNames, name => name, name => pagesClientId)
// The catalogue says which app each identity is attached to (app: writer, else the main app); the two sets never meet.
var writerIndexes = filter(range(0, length(catalogueIdentities)), i => (catalogueIdentities[i].value.?app ?? 'main') == 'writer')
var mainIndexes = filter(range(0, length(catalogueIdentities)), i => !contains(writerIndexes, i))
// Only the systems' addresses reach the writer; the main app's mail, Teams and model settings do not.
var systemSettings = toObject(filter(items(extraSettings), s => startsWith(s.key, 'AgentOps__Systems__')), s => s.key, s => s.value)
var tags = {
  application: 'durableagentops'
  environment: environmentName
}

module identities 'modules/identities.bicep' = {
  name: 'identities'
  params: {
    location: location
    namePrefix: namePrefix
    catalogueIdentities: catalogueIdentities
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    namePrefix: namePrefix
    tags: tags
    retentionInDays: logRetentionDays
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    tags: tags
    accountName: storageAccountName
    hostPrincipalId: identities.outputs.hostPrincipalId
    writerPrincipalId: identities.outputs.writerHostPrincipalId
  }
}

module writerStorage 'modules/writerstorage.bicep' = {
  name: 'writer-storage'
  params: {
    location: location
    tags: tags
    writerAccountName: writerStorageAccountName
    writerPrincipalId: identities.outputs.writerHostPrincipalId
  }
}

module anchors 'modules/anchors.bicep' = {
  name: 'anchors'
  params: {
    location: location
    tags: tags
    accountName: anchorAccountName
    hostPrincipalId: identities.outputs.hostPrincipalId
    retentionDays: anchorRetentionDays
  }
}

module vault 'modules/keyvault.bicep' = {
  name: 'vault'
  params: {
    location: location
    tags: tags
    vaultName: vaultName
    hostPrincipalId: identities.outputs.hostPrincipalId
    writerPrincipalId: identities.outputs.writerHostPrincipalId
    writeIntentKey: writeIntentKey
    linkSigningKey: linkSigningKey
    evidenceVaultKey: evidenceVaultKey
    pagesClientSecret: pagesClientSecret
    storePagesSecret: !empty(pagesClientSecret)
    delegationCacheKey: delegationCacheKey
    storeDelegationKey: !empty(delegationCacheKey)
    purgeProtection: purgeProtection
  }
}

module writerApp 'modules/functionapp.bicep' = {
  name: 'writer-app'
  params: {
    role: 'writer'
    location: location
    tags: tags
    namePrefix: namePrefix
    appName: writerAppName
    hostIdentityId: identities.outputs.writerHostIdentityId
    hostClientId: identities.outputs.writerHostClientId
    catalogue: map(writerIndexes, i => identities.outputs.catalogue[i])
    catalogueIdentities: map(writerIndexes, i => catalogueIdentities[i])
    storageAccountName: writerStorage.outputs.accountName
    deploymentContainerUrl: writerStorage.outputs.deploymentContainerUrl
    appInsightsConnectionString: monitoring.outputs.connectionString
    dotnetVersion: dotnetVersion
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    settings: union(systemSettings, {
      // What it reads of each run (definitions, decisions, the vault), in the main account, with its own identity.
      AgentOps__Writer__RunStorage__accountName: storage.outputs.accountName
      AgentOps__Writer__RunStorage__credential: 'managedidentity'
      AgentOps__Writer__RunStorage__clientId: identities.outputs.writerHostClientId
      AgentOps__Writer__IntentKey: vault.outputs.writeIntentKeyReference
      AgentOps__Evidence__VaultKey: vault.outputs.evidenceVaultKeyReference
    })
  }
}

module app 'modules/functionapp.bicep' = {
  name: 'app'
  params: {
    role: 'main'
    location: location
    tags: tags
    namePrefix: namePrefix
    appName: appName
    hostIdentityId: identities.outputs.hostIdentityId
    hostClientId: identities.outputs.hostClientId
    catalogue: map(mainIndexes, i => identities.outputs.catalogue[i])
    catalogueIdentities: map(mainIndexes, i => catalogueIdentities[i])
    storageAccountName: storage.outputs.accountName
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    anchorContainerUrl: anchors.outputs.containerUrl
    appInsightsConnectionString: monitoring.outputs.connectionString
    dotnetVersion: dotnetVersion
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    // Acting for people: the API app (its federated credential trusts the host identity) exchanges with Entra.
    settings: union(extraSettings, empty(pagesClientSecret) ? {} : { AgentOps__Auth__PagesClientSecret: vault.outputs.pagesClientSecretReference }, empty(delegationCacheKey) ? {} : union(delegatedSettings, {
      AgentOps__Delegation__Authority: '${environment().authentication.loginEndpoint}${tenant().tenantId}'
      AgentOps__Delegation__ManagedIdentityClientId: identities.outputs.hostClientId
      AgentOps__Delegation__CacheKey: vault.outputs.delegationCacheKeyReference
    }), {
      AgentOps__Auth__Authority: authority
      AgentOps__Auth__Audience: audience
      AgentOps__Auth__TenantId: tenant().tenantId
      AgentOps__Auth__PagesClientId: pagesClientId
      AgentOps__Auth__PagesCallbackPath: '/api/signin-oidc'
      AgentOps__Approvals__LinkSigningKey: vault.outputs.linkSigningKeyReference
      AgentOps__Evidence__VaultKey: vault.outputs.evidenceVaultKeyReference
      AgentOps__Evidence__KeyVaultKeyId: vault.outputs.signingKeyId
      AgentOps__Writer__Url: writerApp.outputs.apiUrl
      AgentOps__Writer__IntentKey: vault.outputs.writeIntentKeyReference
    })
  }
}

@description('Where people and the CLI reach the host (the approval pages are under /api).')
output url string = app.outputs.url

@description('The host identity\'s client id (storage, Key Vault, Microsoft Graph).')
output hostClientId string = identities.outputs.hostClientId

@description('The Functions app\'s name (for az functionapp commands).')
output appName string = app.outputs.appName

@description('The writer app\'s name (publish src/DurableAgentOps.Functions.Writer to it).')
output writerAppName string = writerApp.outputs.appName

@description('The writer app\'s identity\'s client id (storage and Key Vault only).')
output writerHostClientId string = identities.outputs.writerHostClientId

@description('Where the host anchors each signed tree head (write-once, immutable: docs/DEPLOY.md).')
output anchorContainerUrl string = anchors.outputs.containerUrl

@description('Client id per catalogue identity; the app already has each in the setting its clientIds.azure names.')
output clientIds array = [for (identity, i) in catalogueIdentities: {
  identity: identity.key
  clientId: identities.outputs.catalogue[i].clientId
  principalId: identities.outputs.catalogue[i].principalId
  app: identity.value.?app ?? 'main'
}]
