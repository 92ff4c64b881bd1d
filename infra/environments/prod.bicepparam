// The production environment (docs/DEPLOY.md). Secrets come from the deploying shell or pipeline, never from this file.
using '../main.bicep'

param environmentName = 'prod'
param namePrefix = 'agentops'
param pagesClientId = readEnvironmentVariable('AGENTOPS_PAGES_CLIENT_ID')
param pagesClientSecret = readEnvironmentVariable('AGENTOPS_PAGES_CLIENT_SECRET', '')
param linkSigningKey = readEnvironmentVariable('AGENTOPS_LINK_SIGNING_KEY')
param evidenceVaultKey = readEnvironmentVariable('AGENTOPS_EVIDENCE_VAULT_KEY')
param writeIntentKey = readEnvironmentVariable('AGENTOPS_WRITE_INTENT_KEY')
param maximumInstanceCount = 40
param instanceMemoryMB = 2048
param logRetentionDays = 90
// Seven years: anchored tree heads outlive the evidence they vouch for.
param anchorRetentionDays = 2555
param extraSettings = {
  AgentOps__Systems__Endpoints__crm__BaseUrl: 'https://crm.contoso.example'
  AgentOps__Systems__Endpoints__support__BaseUrl: 'https://support.contoso.example'
  AgentOps__Systems__Endpoints__servicedesk__BaseUrl: 'https://servicedesk.contoso.example'
  AgentOps__Systems__Endpoints__finance__BaseUrl: 'https://finance.contoso.example'
}
