// Alerts and a fleet workbook over the control plane's telemetry in Application Insights. The
// queries read the spans the app exports (core/telemetry): activity spans land in `dependencies`
// with their attributes in customDimensions; HTTP requests are recorded by the Functions host in
// `requests`. Each rule fires when its query returns a row in the window; all go to one action group.

param applicationInsightsName string
param location string
param tags object = {}

@description('E-mail of the on-call operators (empty: the action group has no receiver yet)')
param alertEmail string = ''

@description('How often the rules run and how far back they look')
param evaluationFrequency string = 'PT5M'
param windowSize string = 'PT15M'

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-openclawps-oncall'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'clawoncall'
    enabled: true
    emailReceivers: empty(alertEmail)
      ? []
      : [
          {
            name: 'oncall'
            emailAddress: alertEmail
            useCommonAlertSchema: true
          }
        ]
  }
}

var rules = [
  {
    name: 'saga-manual-action'
    severity: 1
    description: 'A saga ended with compensation that failed: the operation record says what to do by hand'
    query: 'dependencies | where name == "activity finishOperation" and tostring(customDimensions["openclawps.manual_action"]) == "true" | project timestamp, operation = tostring(customDimensions["openclawps.operation_id"]), claw = tostring(customDimensions["openclawps.claw"])'
  }
  {
    name: 'saga-compensated'
    severity: 2
    description: 'A saga failed and was compensated (the claw was put back as it was)'
    query: 'dependencies | where name == "activity finishOperation" and tostring(customDimensions["openclawps.outcome"]) == "compensated" | project timestamp, operation = tostring(customDimensions["openclawps.operation_id"]), claw = tostring(customDimensions["openclawps.claw"])'
  }
  {
    name: 'drift-found'
    severity: 3
    description: 'The drift reconcile found claws whose Azure state differs from the record'
    query: 'dependencies | where name == "activity detectDrift" and toint(customDimensions["openclawps.drift_findings"]) > 0 | project timestamp, findings = toint(customDimensions["openclawps.drift_findings"])'
  }
  {
    name: 'verify-failing'
    severity: 2
    description: 'verify.sh failed on a running claw (failing checks named)'
    query: 'dependencies | where name startswith "activity " and tostring(customDimensions["openclawps.verify_ok"]) == "false" | project timestamp, claw = tostring(customDimensions["openclawps.claw"]), failing = tostring(customDimensions["openclawps.verify_failing"])'
  }
  {
    name: 'api-5xx'
    severity: 2
    description: 'The HTTP API answered 5xx'
    query: 'requests | where toint(resultCode) >= 500 | project timestamp, name, resultCode'
  }
]

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for rule in rules: {
    name: 'openclawps-${rule.name}'
    location: location
    tags: tags
    properties: {
      displayName: 'OpenClawps: ${rule.name}'
      description: rule.description
      severity: rule.severity
      enabled: true
      scopes: [appInsights.id]
      evaluationFrequency: evaluationFrequency
      windowSize: windowSize
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: 'Count'
            operator: 'GreaterThan'
            threshold: 0
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      autoMitigate: true
      actions: {
        actionGroups: [actionGroup.id]
      }
    }
  }
]

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(appInsights.id, 'openclawps-fleet-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'OpenClawps fleet'
    category: 'workbook'
    sourceId: appInsights.id
    serializedData: loadTextContent('../monitoring/fleet-workbook.json')
  }
}

output actionGroupId string = actionGroup.id
