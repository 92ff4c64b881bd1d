// The dev environment (docs/DEPLOY.md). Secrets come from the deploying shell, never from this file:
//   export AGENTOPS_LINK_SIGNING_KEY=$(openssl rand -base64 32) AGENTOPS_EVIDENCE_VAULT_KEY=$(openssl rand -base64 32) \
//     AGENTOPS_WRITE_INTENT_KEY=$(openssl rand -base64 32)
//   export AGENTOPS_PAGES_CLIENT_ID=<client id from infra/entra-app.sh> AGENTOPS_PAGES_CLIENT_SECRET=<its secret>
using '../main.bicep'

param environmentName = 'dev'
param namePrefix = 'agentops-dev'
param pagesClientId = readEnvironmentVariable('AGENTOPS_PAGES_CLIENT_ID')
param pagesClientSecret = readEnvironmentVariable('AGENTOPS_PAGES_CLIENT_SECRET', '')
param linkSigningKey = readEnvironmentVariable('AGENTOPS_LINK_SIGNING_KEY')
param evidenceVaultKey = readEnvironmentVariable('AGENTOPS_EVIDENCE_VAULT_KEY')
param writeIntentKey = readEnvironmentVariable('AGENTOPS_WRITE_INTENT_KEY')
param maximumInstanceCount = 10
param instanceMemoryMB = 2048
param anchorRetentionDays = 30
// A deleted dev vault's name can be reused at once.
param purgeProtection = false
param extraSettings = {
  // Each declared system's base URL in this environment (workflows/systems/<system>.yaml).
  AgentOps__Systems__Endpoints__crm__BaseUrl: 'https://crm-dev.contoso.example'
  AgentOps__Systems__Endpoints__support__BaseUrl: 'https://support-dev.contoso.example'
  AgentOps__Systems__Endpoints__servicedesk__BaseUrl: 'https://servicedesk-dev.contoso.example'
  AgentOps__Systems__Endpoints__finance__BaseUrl: 'https://finance-dev.contoso.example'
}
