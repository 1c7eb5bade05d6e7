#!/usr/bin/env bats
# Summary: agent-status.sh tells the control plane whether the agent is mid-task.

load helpers

setup() {
  new_vm vm1
  attach_disk d1
  "$CLAW_OPT/lifecycle/boot.sh" >/dev/null
  deliver_secrets "TELEGRAM_BOT_TOKEN=123:telegram-secret-value
ANTHROPIC_API_KEY=sk-ant-secret-value"
  "$CLAW_OPT/lifecycle/apply-secrets.sh" >/dev/null
  mkdir -p "$CLAW_STATE/shim/openclaw"
}

@test "agent-status: idle when no session was active lately" {
  run --separate-stderr "$CLAW_OPT/lifecycle/agent-status.sh"
  [ "$status" -eq 0 ]
  [ "$output" = '{"busy":false,"known":true,"activeSessions":0,"detail":"no session active in the last 2 min"}' ]
}

@test "agent-status: busy while a session is active, idle again after" {
  echo 1 >"$CLAW_STATE/shim/openclaw/busy"
  run "$CLAW_OPT/lifecycle/agent-status.sh"
  [ "$output" = '{"busy":true,"known":true,"activeSessions":1,"detail":"1 session(s) active in the last 2 min"}' ]
  run "$CLAW_OPT/lifecycle/agent-status.sh"
  [[ $output == '{"busy":false,'* ]]
  grep -q "openclaw sessions --json --active 2" "$CLAW_STATE/shim/calls.log"
}

@test "agent-status: a stopped gateway has nothing to interrupt" {
  echo always >"$CLAW_STATE/shim/openclaw/busy"
  systemctl stop openclaw-gateway
  run "$CLAW_OPT/lifecycle/agent-status.sh"
  [ "$status" -eq 0 ]
  [ "$output" = '{"busy":false,"known":true,"activeSessions":0,"detail":"the gateway is not running"}' ]
}

@test "agent-status: says so when the agent cannot be asked" {
  echo always >"$CLAW_STATE/shim/openclaw/busy"
  mkdir -p "$BATS_TEST_TMPDIR/bin"
  printf '#!/usr/bin/env bash\nexit 3\n' >"$BATS_TEST_TMPDIR/bin/openclaw"
  chmod +x "$BATS_TEST_TMPDIR/bin/openclaw"
  PATH="$BATS_TEST_TMPDIR/bin:$PATH" run "$CLAW_OPT/lifecycle/agent-status.sh"
  [ "$status" -eq 0 ]
  [ "$output" = '{"busy":false,"known":false,"activeSessions":0,"detail":"openclaw sessions did not answer"}' ]
}
