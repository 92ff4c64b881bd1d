#!/usr/bin/env bash
# Registers DurableAgentOps with Microsoft Entra ID, with the Azure CLI (docs/DEPLOY.md, step 1):
#   - the host's app registration: the API people and the CLI get tokens for (v2 tokens), its four app roles, and
#     the approval pages' web sign-in (a client secret; the redirect is added once the app's URL is known, step 3);
#   - the CLI as a public client allowed the API's delegated scope (device code or browser), and the Azure CLI
#     pre-authorized for it (agentops login --azure-cli).
# Bicep's Microsoft Graph extension would do this declaratively, but it is fetched from a registry at build time;
# this script keeps the build offline. Entra ID cannot be reached from this repository's build machine, so the
# script is not run by the tests: read it before you run it.
#
#   infra/entra-app.sh                 (AGENTOPS_APP_ID_URI=api://durableagentops-dev for a second environment in a tenant)
#
# It writes the values the next steps need to .agentops-entra.env (mode 600, ignored by git: it holds the pages'
# client secret). It stops if an app with the same application id URI exists: one registration per environment.
set -euo pipefail
command -v az >/dev/null || { echo "entra-app.sh: the Azure CLI (az) is required" >&2; exit 1; }
name=${AGENTOPS_APP_NAME:-DurableAgentOps}
uri=${AGENTOPS_APP_ID_URI:-api://durableagentops}
azure_cli=04b07795-8ddb-461a-bbee-02f9e1bf7b46   # the Azure CLI's own client id (first-party, the same in every tenant)
tenant=$(az account show --query tenantId -o tsv)
uuid() { if command -v uuidgen >/dev/null; then uuidgen | tr 'A-F' 'a-f'; else cat /proc/sys/kernel/random/uuid; fi; }
if [ -n "$(az ad app list --identifier-uri "$uri" --query '[].appId' -o tsv)" ]; then
  echo "entra-app.sh: an app registration with $uri exists already; set AGENTOPS_APP_ID_URI for another environment" >&2
  exit 1
fi
# Retries a command a few times: a registration just created takes seconds to be seen everywhere in Entra ID.
retry() { for attempt in 1 2 3 4 5; do "$@" && return 0; sleep $((attempt * 3)); done; return 1; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

# The app roles the host checks (AppRoles in src/DurableAgentOps.Core/Model/WorkflowDefinition.cs).
role() { local id; id=$(uuid); [ -n "$id" ] || exit 1; printf '{"allowedMemberTypes":["User"],"description":"%s","displayName":"%s","isEnabled":true,"value":"%s","id":"%s"}' "$2" "$1" "$1" "$id"; }
printf '[%s,%s,%s,%s]' \
  "$(role AgentOps.Starter 'Starts runs of the workflows the host serves.')" \
  "$(role AgentOps.Reader 'Reads every run'"'"'s status.')" \
  "$(role AgentOps.Investigator 'Finds, verifies, exports and replays every run'"'"'s evidence.')" \
  "$(role AgentOps.Administrator 'Uses the instance API, resumes incomplete writes, checks systems.')" >"$work/roles.json"

read -r app object < <(az ad app create --display-name "$name" --sign-in-audience AzureADMyOrg \
  --app-roles @"$work/roles.json" --query '[appId, id]' -o tsv)
[ -n "${object:-}" ] || { echo "entra-app.sh: the app registration was not created" >&2; exit 1; }

# v2 access tokens (their audience is the client id), the application id URI, and one delegated scope for the CLI.
scope=$(uuid); [ -n "$scope" ] || exit 1
printf '{"identifierUris":["%s"],"api":{"requestedAccessTokenVersion":2,"oauth2PermissionScopes":[{"id":"%s","type":"User","value":"access_as_user","isEnabled":true,"adminConsentDisplayName":"Use DurableAgentOps as the signed-in person","adminConsentDescription":"Lets the DurableAgentOps CLI call the host as the person signed in.","userConsentDisplayName":"Use DurableAgentOps as you","userConsentDescription":"Lets the DurableAgentOps CLI call the host as you."}]}}' \
  "$uri" "$scope" >"$work/api.json"
retry az rest --method PATCH --uri "https://graph.microsoft.com/v1.0/applications/$object" --headers Content-Type=application/json --body @"$work/api.json"
# Once the scope exists: the Azure CLI may ask for it without a consent prompt.
printf '{"api":{"preAuthorizedApplications":[{"appId":"%s","delegatedPermissionIds":["%s"]}]}}' "$azure_cli" "$scope" >"$work/preauthorized.json"
retry az rest --method PATCH --uri "https://graph.microsoft.com/v1.0/applications/$object" --headers Content-Type=application/json --body @"$work/preauthorized.json"
retry az ad sp create --id "$app" >/dev/null

# One year: rotate it before then (docs/DEPLOY.md, "Secrets and keys").
secret=$(retry az ad app credential reset --id "$app" --display-name approval-pages --years 1 --query password -o tsv)

printf '[{"resourceAppId":"%s","resourceAccess":[{"id":"%s","type":"Scope"}]}]' "$app" "$scope" >"$work/access.json"
cli=$(az ad app create --display-name "$name CLI" --sign-in-audience AzureADMyOrg --is-fallback-public-client true \
  --public-client-redirect-uris http://localhost --required-resource-accesses @"$work/access.json" --query appId -o tsv)
retry az ad sp create --id "$cli" >/dev/null

(umask 077; cat >.agentops-entra.env <<ENV
# From infra/entra-app.sh ($uri). Holds a secret: keep it out of source control.
export AGENTOPS_PAGES_CLIENT_ID=$app
export AGENTOPS_PAGES_CLIENT_SECRET=$secret
# The CLI (agentops login --device-code, or --azure-cli after az login):
export AGENTOPS_AUTHORITY=https://login.microsoftonline.com/$tenant/v2.0
export AGENTOPS_CLIENT_ID=$cli
export AGENTOPS_SCOPE=$uri/.default
ENV
)
echo "registered: host app $app, CLI $cli (tenant $tenant); values in .agentops-entra.env"
echo "next: deploy (docs/DEPLOY.md, step 2), then add the pages' redirect: az ad app update --id $app --web-redirect-uris <url>/api/signin-oidc"
echo "and assign people the app roles (Enterprise applications > $name > Users and groups)"
