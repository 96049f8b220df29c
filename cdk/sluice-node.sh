#!/bin/sh
# Lambda's wrapper script (AWS_LAMBDA_EXEC_WRAPPER): Lambda runs it with the runtime's command line, the
# interpreter first. Node refuses most V8 flags in NODE_OPTIONS, so the ones a flow needs (SLUICE_V8_FLAGS, set
# by the CDK app from cdk/bundling.ts flowV8Flags) go on that command line, right after the interpreter.
interpreter="$1"
shift
# Unquoted on purpose: the flags are separate words.
exec "$interpreter" $SLUICE_V8_FLAGS "$@"
