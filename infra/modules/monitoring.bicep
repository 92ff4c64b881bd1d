// Where the host's traces, metrics and logs go: Application Insights on a Log Analytics workspace.
param location string
param namePrefix string
param tags object

@description('Days the workspace keeps logs.')
@minValue(30)
@maxValue(730)
param retentionInDays int

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${namePrefix}-logs'
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: retentionInDays
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${namePrefix}-insights'
  location: location
  kind: 'web'
  tags: tags
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    // The host's Azure Monitor exporter sends with the connection string (no Entra credential yet), so local
    // authentication stays on; docs/DEPLOY.md says so.
    DisableLocalAuth: false
  }
}

output connectionString string = insights.properties.ConnectionString
