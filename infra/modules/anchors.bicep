// Write-once storage for signed tree heads, in an account of its own: the host identity may add blobs to the one
// container (Storage Blob Data Contributor on that container, no more), and version-level immutability keeps every
// version for the retention period. The retention policy is created unlocked; locking it (docs/DEPLOY.md, step 5)
// makes it binding on the account's owners too. Until then an owner of the account could shorten or remove it.
param location string
param tags object

@description('Storage account name for the anchors: 3-24 lowercase letters and digits, globally unique.')
@minLength(3)
@maxLength(24)
param accountName string

@description('Principal id of the host identity.')
param hostPrincipalId string

@description('Days an anchored tree head cannot be changed or deleted.')
@minValue(1)
@maxValue(146000)
param retentionDays int

var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: accountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    // Version-level immutability needs versioning; this account holds nothing else, so versions cost little.
    isVersioningEnabled: true
  }
}

resource anchors 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobs
  name: 'anchors'
  properties: {
    immutableStorageWithVersioning: { enabled: true }
  }
}

resource retention 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies@2023-05-01' = {
  parent: anchors
  name: 'default'
  properties: {
    immutabilityPeriodSinceCreationInDays: retentionDays
    allowProtectedAppendWrites: false
  }
}

resource hostMayAdd 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: anchors
  name: guid(anchors.id, hostPrincipalId, storageBlobDataContributor)
  properties: {
    principalId: hostPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
  }
}

output accountName string = account.name
output containerUrl string = '${account.properties.primaryEndpoints.blob}${anchors.name}'
