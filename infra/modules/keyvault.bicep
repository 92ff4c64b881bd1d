// The host's secrets: the evidence-signing key (it never leaves the vault: the host asks the vault to sign), the
// approval-link signing secret, the vault key that seals redacted values, and the key write intents are signed with.
// Access is by Azure RBAC: the host's identity holds a role on exactly the key and the secrets it uses, and the writer
// app's identity on the two it needs (the intent key, and the vault key to reveal redacted values into its calls).
param location string
param tags object

@description('Key Vault name: 3-24 letters, digits and dashes, globally unique.')
@minLength(3)
@maxLength(24)
param vaultName string

@description('Principal id of the host identity.')
param hostPrincipalId string

@description('Principal id of the writer app\'s identity (isolation: separate-writer).')
param writerPrincipalId string

@description('Base64 of at least 32 random bytes: signs write intents (AgentOps:Writer:IntentKey), main app and writer only.')
@secure()
param writeIntentKey string

@description('Base64 of at least 32 random bytes: signs approval links (AgentOps:Approvals:LinkSigningKey).')
@secure()
param linkSigningKey string

@description('Base64 of exactly 32 random bytes: seals redacted values (AgentOps:Evidence:VaultKey).')
@secure()
param evidenceVaultKey string

@description('The approval pages\' client secret at the authority (AgentOps:Auth:PagesClientSecret); empty: none.')
@secure()
param pagesClientSecret string

@description('Whether pagesClientSecret is given (a plain flag, so no output depends on the secret itself).')
param storePagesSecret bool

@description('Base64 of exactly 32 random bytes: encrypts the on-behalf-of sessions of runs that act for their starter (AgentOps:Delegation:CacheKey); empty: none.')
@secure()
param delegationCacheKey string = ''

@description('Whether to store delegationCacheKey (a deployment whose host acts for people).')
param storeDelegationKey bool = false

@description('Purge protection (cannot be turned off once on).')
param purgeProtection bool

var keyVaultCryptoUser = '12338af0-0e69-4776-bea7-57ae8d297424'
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: vaultName
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // Only true or absent are accepted: a vault's purge protection cannot be set to false.
    enablePurgeProtection: purgeProtection ? true : null
  }
}

// EC P-256: the host signs run heads and tree heads with it (ES256) through the vault.
resource signingKey 'Microsoft.KeyVault/vaults/keys@2023-07-01' = {
  parent: vault
  name: 'evidence-signing'
  properties: {
    kty: 'EC'
    curveName: 'P-256'
    keyOps: ['sign', 'verify']
  }
}

resource linkSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'link-signing-key'
  properties: { value: linkSigningKey, contentType: 'base64' }
}

resource sealSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'evidence-vault-key'
  properties: { value: evidenceVaultKey, contentType: 'base64' }
}

resource pagesSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (storePagesSecret) {
  parent: vault
  name: 'pages-client-secret'
  properties: { value: pagesClientSecret }
}

// Only the main app opens the sessions that act for people; the writer acts for nobody.
resource delegationSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (storeDelegationKey) {
  parent: vault
  name: 'delegation-cache-key'
  properties: { value: delegationCacheKey, contentType: 'base64' }
}

resource readDelegationSecret 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (storeDelegationKey) {
  scope: delegationSecret
  name: guid(delegationSecret.id, hostPrincipalId, keyVaultSecretsUser)
  properties: {
    principalId: hostPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
  }
}

resource readPagesSecret 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (storePagesSecret) {
  scope: pagesSecret
  name: guid(pagesSecret.id, hostPrincipalId, keyVaultSecretsUser)
  properties: {
    principalId: hostPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
  }
}

resource signWithKey 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: signingKey
  name: guid(signingKey.id, hostPrincipalId, keyVaultCryptoUser)
  properties: {
    principalId: hostPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultCryptoUser)
  }
}

resource readLinkSecret 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: linkSecret
  name: guid(linkSecret.id, hostPrincipalId, keyVaultSecretsUser)
  properties: {
    principalId: hostPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
  }
}

resource readSealSecret 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: sealSecret
  name: guid(sealSecret.id, hostPrincipalId, keyVaultSecretsUser)
  properties: {
    principalId: hostPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
  }
}

resource intentSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'write-intent-key'
  properties: { value: writeIntentKey }
}

// The main app signs intents and the writer verifies them; nobody else reads the key.
resource hostReadsIntentSecret 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: intentSecret
  name: guid(intentSecret.id, hostPrincipalId, keyVaultSecretsUser)
  properties: {
    principalId: hostPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
  }
}

resource writerReadsIntentSecret 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: intentSecret
  name: guid(intentSecret.id, writerPrincipalId, keyVaultSecretsUser)
  properties: {
    principalId: writerPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
  }
}

// The writer reveals redacted values into the calls it sends.
resource writerReadsSealSecret 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: sealSecret
  name: guid(sealSecret.id, writerPrincipalId, keyVaultSecretsUser)
  properties: {
    principalId: writerPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
  }
}

output signingKeyId string = signingKey.properties.keyUriWithVersion
output linkSigningKeyReference string = '@Microsoft.KeyVault(SecretUri=${linkSecret.properties.secretUri})'
output writeIntentKeyReference string = '@Microsoft.KeyVault(SecretUri=${intentSecret.properties.secretUri})'
output evidenceVaultKeyReference string = '@Microsoft.KeyVault(SecretUri=${sealSecret.properties.secretUri})'

@description('The Key Vault reference of the on-behalf-of session key, or empty when there is none.')
output delegationCacheKeyReference string = !storeDelegationKey ? '' : '@Microsoft.KeyVault(SecretUri=${delegationSecret!.properties.secretUri})'

@description('The Key Vault reference of the pages\' client secret, or empty when there is none.')
output pagesClientSecretReference string = !storePagesSecret ? '' : '@Microsoft.KeyVault(SecretUri=${pagesSecret!.properties.secretUri})'
