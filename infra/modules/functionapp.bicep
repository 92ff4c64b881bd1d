// A Functions app (Flex Consumption, .NET isolated): the main app, which runs the host, or the writer, which runs the
// write steps of separate-writer workflows. Its storage is reached by identity only; its secrets are Key Vault
// references read with its own host identity. Each is given only the catalogue identities attached to it (the
// catalogue's `app:`), so the main app never holds a writer identity (docs/DEPLOY.md).
param location string
param tags object
param namePrefix string

@description('main: the host (API, pages, orchestrations); writer: the writer of separate-writer workflows.')
@allowed(['main', 'writer'])
param role string

@description('The app\'s name: <name>.azurewebsites.net must be free across Azure.')
param appName string

@description('The host identity: resource id and client id.')
param hostIdentityId string
param hostClientId string

@description('The catalogue identities attached to this app, as the identities module outputs them.')
param catalogue array

@description('Those identities as items(catalogue.identities) has them, in the same order as catalogue.')
param catalogueIdentities array

param storageAccountName string
param deploymentContainerUrl string

@description('The anchors container (anchors module): the main app writes every signed tree head there once, with the host identity; the writer writes none.')
param anchorContainerUrl string = ''
param appInsightsConnectionString string

@description('Settings the app reads at start (docs/SETTINGS.md), beyond storage, identities and monitoring.')
param settings object

@description('.NET version of the isolated worker.')
param dotnetVersion string

@description('Most instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Memory per instance (MB).')
@allowed([512, 2048, 4096])
param instanceMemoryMB int


// Each catalogue identity's client id goes to the app setting its clientIds.azure entry names: ${CRM_READER_CLIENT_ID}
// becomes CRM_READER_CLIENT_ID. The catalogue stays the single source: a new identity brings its setting with it.
var identitySettings = toObject(
  range(0, length(catalogueIdentities)),
  i => replace(replace(catalogueIdentities[i].value.clientIds.azure, '\${', ''), '}', ''),
  i => catalogue[i].clientId)

var attached = union(
  { '${hostIdentityId}': {} },
  toObject(catalogue, c => c.id, c => {}))

// Flex Consumption: one app per plan.
resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: role == 'main' ? '${namePrefix}-plan' : '${namePrefix}-writer-plan'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: attached
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: hostIdentityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: hostIdentityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: dotnetVersion
      }
    }
  }
}

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: app
  name: 'appsettings'
  properties: union(settings, identitySettings, {
    // Identity-based storage: no key, no connection string.
    AzureWebJobsStorage__accountName: storageAccountName
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: hostClientId
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
    AgentOps__Environment: 'azure'
  }, role == 'main' ? {
    AgentOps__Evidence__KeyVaultClientId: hostClientId
    AgentOps__Evidence__AnchorContainerUrl: anchorContainerUrl
    AgentOps__Evidence__AnchorClientId: hostClientId
    AgentOps__Directory__ClientId: hostClientId
    Host__PublicBaseUrl: 'https://${app.properties.defaultHostName}'
    AgentOps__Approvals__PublicBaseUrl: 'https://${app.properties.defaultHostName}/api'
  } : {})
}

output appName string = app.name
output url string = 'https://${app.properties.defaultHostName}'

@description('Where the app\'s HTTP functions are: the url under the Functions host\'s /api prefix.')
output apiUrl string = 'https://${app.properties.defaultHostName}/api/'
