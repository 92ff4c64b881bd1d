// The managed identities of DurableAgentOps, made from the same catalogue the validator and the runtime read
// (workflows/identities.yaml), so the infrastructure and the workflow files cannot drift apart.
targetScope = 'resourceGroup'

@description('Azure region of the identities.')
param location string = resourceGroup().location

@description('Prefix of every identity name: <prefix>-<catalogue name>.')
@minLength(2)
@maxLength(24)
param namePrefix string = 'agentops'

var catalogue = loadYamlContent('../workflows/identities.yaml')
var catalogueIdentities = items(catalogue.identities)

// One user-assigned managed identity per logical identity of the catalogue.
resource identities 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = [for identity in catalogueIdentities: {
  name: '${namePrefix}-${identity.key}'
  location: location
  tags: {
    'agentops-identity': identity.key
    description: identity.value.description
  }
}]

@description('Client id per catalogue identity: put them in identities.yaml clientIds.azure (or the app settings they name).')
output clientIds array = [for (identity, i) in catalogueIdentities: {
  identity: identity.key
  clientId: identities[i].properties.clientId
  principalId: identities[i].properties.principalId
}]
