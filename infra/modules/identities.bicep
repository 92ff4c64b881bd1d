// The user-assigned identities: one per catalogue identity (workflows/identities.yaml, read by main.bicep), and the
// host's own, which alone reaches the task hub's storage, the vault and the directory, and the writer app's own.
@description('Azure region of the identities.')
param location string

@description('Prefix of every identity name: <prefix>-<catalogue name>, and <prefix>-host for the host.')
param namePrefix string

@description('The catalogue identities as items(catalogue.identities): key = name, value = the entry.')
param catalogueIdentities array

@description('Tags every resource carries.')
param tags object

resource hostIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${namePrefix}-host'
  location: location
  tags: union(tags, { 'agentops-role': 'host' })
}

// The writer app's own: it reaches storage and the vault for the writer (isolation: separate-writer), never a system.
resource writerHostIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${namePrefix}-writer-host'
  location: location
  tags: union(tags, { 'agentops-role': 'writer-host' })
}

// One per logical identity of the catalogue: a step's token comes from exactly the identity its file names.
resource identities 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = [for identity in catalogueIdentities: {
  name: '${namePrefix}-${identity.key}'
  location: location
  tags: union(tags, {
    'agentops-identity': identity.key
    description: identity.value.description
  })
}]

output hostIdentityId string = hostIdentity.id
output hostClientId string = hostIdentity.properties.clientId
output hostPrincipalId string = hostIdentity.properties.principalId
output writerHostIdentityId string = writerHostIdentity.id
output writerHostClientId string = writerHostIdentity.properties.clientId
output writerHostPrincipalId string = writerHostIdentity.properties.principalId

@description('Per catalogue identity, in catalogue order: its name, resource id, client id and principal id.')
output catalogue array = [for (identity, i) in catalogueIdentities: {
  identity: identity.key
  id: identities[i].id
  clientId: identities[i].properties.clientId
  principalId: identities[i].properties.principalId
}]
