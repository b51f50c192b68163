#!/usr/bin/env bash
# Launch the live newswire pipeline on Google Cloud Dataflow (streaming, Runner v2, the
# pipeline image as the SDK container). Run it where newswire and Beam's GCP extra are
# installed: a checkout with `pip install -e . 'apache-beam[gcp]==2.77.0'`, or the
# Dataflow image itself (it carries this script):
#   docker run --rm --entrypoint /opt/newswire/dataflow/launch.sh \
#     -e GCP_PROJECT -e GCP_REGION -e GCS_BUCKET -e IMAGE -e NEWSWIRE_BOOTSTRAP_SERVERS \
#     -e GOOGLE_APPLICATION_CREDENTIALS=/creds.json -v "$PWD/creds.json:/creds.json:ro" "$IMAGE"
# It creates the topics if missing (so Kafka must be reachable from here too), submits the
# job and follows it; Ctrl-C stops following, not the Dataflow job.
#
#   export GCP_PROJECT=my-project GCP_REGION=europe-west1 GCS_BUCKET=my-bucket \
#          IMAGE=europe-west1-docker.pkg.dev/my-project/newswire/newswire-dataflow:0.2.0 \
#          NEWSWIRE_BOOTSTRAP_SERVERS=broker-1:9092,broker-2:9092
#   deploy/dataflow/launch.sh            # extra Beam options may follow, e.g. --num_workers=3
#
# Kafka IO: Dataflow runs Beam's cross-language Java KafkaIO well; it is the default here
# (NEWSWIRE_KAFKA_IO=xlang). Building the graph then needs a Java expansion service:
# Java 11+ on this machine (Beam fetches its IO expansion-service jar from Maven Central),
# or BEAM_SERVICE_OVERRIDES='{"sdks:java:io:expansion-service:shadowJar": "/path/to/beam-sdks-java-io-expansion-service-2.77.0.jar"}'
# for a pre-staged jar, or NEWSWIRE_EXPANSION_SERVICE=host:port for a running service.
# SASL/TLS: the NEWSWIRE_SECURITY_PROTOCOL/SASL_*/SSL_* settings (docs/configuration.md).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${GCP_PROJECT:?set GCP_PROJECT}" "${GCP_REGION:?set GCP_REGION}"
: "${GCS_BUCKET:?set GCS_BUCKET}" "${IMAGE:?set IMAGE (the deploy/dataflow/Dockerfile image)}"
: "${NEWSWIRE_BOOTSTRAP_SERVERS:?set NEWSWIRE_BOOTSTRAP_SERVERS (Kafka reachable from Dataflow workers)}"
export NEWSWIRE_KAFKA_IO="${NEWSWIRE_KAFKA_IO:-xlang}"
export GCP_PROJECT GCP_REGION GCS_BUCKET IMAGE

# The options file with ${VARIABLES} expanded, one option per array element.
mapfile -t options < <(python3 - "$here/pipeline.options" <<'PY'
import os, sys
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.strip()
    if line and not line.startswith("#"):
        print(os.path.expandvars(line))
PY
)

exec newswire run --runner DataflowRunner -- "${options[@]}" "$@"
