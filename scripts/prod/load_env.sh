# Sourced by scripts/prod/*.sh: create the settings file on the first run, then export each of
# its settings that the environment does not already set (the environment overrides the file).
# PROD_VAR: where data, logs and pid files live (var/prod); PROD_ENV_FILE: var/prod.env.
PROD_VAR=${PROD_VAR:-var/prod}
PROD_ENV_FILE=${PROD_ENV_FILE:-var/prod.env}
export PROD_VAR PROD_ENV_FILE
.venv/bin/python -m scripts.prod.env "$PROD_ENV_FILE"
while IFS= read -r line; do
  case $line in ''|'#'*) continue ;; esac
  key=${line%%=*}
  if [ -z "${!key+set}" ]; then eval "export $line"; fi
done < "$PROD_ENV_FILE"
mkdir -p "$PROD_VAR"
