#!/usr/bin/env bash
# Registers DurableAgentOps with Microsoft Entra ID, with the Azure CLI (docs/DEPLOY.md, step 1):
#   - the host's app registration: the API people and the CLI get tokens for (v2 tokens), its four app roles, and
#     the approval pages' web sign-in (redirect <app-url>/api/signin-oidc, a client secret);
#   - the CLI as a public client allowed the API's delegated scope (device code, browser or the Azure CLI).
# Bicep's Microsoft Graph extension would do this declaratively, but it is fetched from a registry at build time;
# this script keeps the build offline. Entra ID cannot be reached from this repository's build machine, so the
# script is not run by the tests: read it before you run it.
#
#   infra/entra-app.sh https://agentops-host.azurewebsites.net      (main.bicep's url output, or the name you will give)
#
# It writes the values the next steps need to .agentops-entra.env (mode 600: it holds the pages' client secret).
set -euo pipefail
command -v az >/dev/null || { echo "entra-app.sh: the Azure CLI (az) is required" >&2; exit 1; }
url=${1:?usage: infra/entra-app.sh <app-url>   (e.g. https://agentops-host.azurewebsites.net)}
name=${AGENTOPS_APP_NAME:-DurableAgentOps}
uri=${AGENTOPS_APP_ID_URI:-api://durableagentops}
tenant=$(az account show --query tenantId -o tsv)
uuid() { cat /proc/sys/kernel/random/uuid; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

# The app roles the host checks (AppRoles in src/DurableAgentOps.Core/Model/WorkflowDefinition.cs).
role() { printf '{"allowedMemberTypes":["User"],"description":"%s","displayName":"%s","isEnabled":true,"value":"%s","id":"%s"}' "$2" "$1" "$1" "$(uuid)"; }
printf '[%s,%s,%s,%s]' \
  "$(role AgentOps.Starter 'Starts runs of the workflows the host serves.')" \
  "$(role AgentOps.Reader 'Reads every run'"'"'s status.')" \
  "$(role AgentOps.Investigator 'Finds, verifies, exports and replays every run'"'"'s evidence.')" \
  "$(role AgentOps.Administrator 'Uses the instance API, resumes incomplete writes, checks systems.')" >"$work/roles.json"

app=$(az ad app create --display-name "$name" --sign-in-audience AzureADMyOrg \
  --web-redirect-uris "$url/api/signin-oidc" --app-roles @"$work/roles.json" --query appId -o tsv)
object=$(az ad app show --id "$app" --query id -o tsv)

# v2 access tokens (their audience is the client id), the application id URI, and one delegated scope for the CLI.
scope=$(uuid)
printf '{"identifierUris":["%s"],"api":{"requestedAccessTokenVersion":2,"oauth2PermissionScopes":[{"id":"%s","type":"User","value":"access_as_user","isEnabled":true,"adminConsentDisplayName":"Use DurableAgentOps as the signed-in person","adminConsentDescription":"Lets the DurableAgentOps CLI call the host as the person signed in.","userConsentDisplayName":"Use DurableAgentOps as you","userConsentDescription":"Lets the DurableAgentOps CLI call the host as you."}]}}' \
  "$uri" "$scope" >"$work/api.json"
az rest --method PATCH --uri "https://graph.microsoft.com/v1.0/applications/$object" --headers Content-Type=application/json --body @"$work/api.json"
az ad sp create --id "$app" >/dev/null

secret=$(az ad app credential reset --id "$app" --display-name approval-pages --years 1 --query password -o tsv)

printf '[{"resourceAppId":"%s","resourceAccess":[{"id":"%s","type":"Scope"}]}]' "$app" "$scope" >"$work/access.json"
cli=$(az ad app create --display-name "$name CLI" --sign-in-audience AzureADMyOrg --is-fallback-public-client true \
  --public-client-redirect-uris http://localhost --required-resource-accesses @"$work/access.json" --query appId -o tsv)
az ad sp create --id "$cli" >/dev/null

(umask 077; cat >.agentops-entra.env <<ENV
# From infra/entra-app.sh for $url. Holds a secret: keep it out of source control.
export AGENTOPS_PAGES_CLIENT_ID=$app
export AGENTOPS_PAGES_CLIENT_SECRET=$secret
# The CLI (agentops login --device-code, or --azure-cli after az login):
export AGENTOPS_AUTHORITY=https://login.microsoftonline.com/$tenant/v2.0
export AGENTOPS_CLIENT_ID=$cli
export AGENTOPS_SCOPE=$uri/.default
ENV
)
echo "registered: host app $app, CLI $cli (tenant $tenant); values in .agentops-entra.env"
echo "next: assign people the app roles (Enterprise applications > $name > Users and groups), then deploy (docs/DEPLOY.md)"
