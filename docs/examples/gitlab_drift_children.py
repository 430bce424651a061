"""Write the child pipeline of docs/examples/gitlab-drift.yml: one drift job per region whose stack
was created (`regionkit regions --format json`, field `applied`), each on that region's own runner.
A fleet with none gets one job that says so, since GitLab refuses an empty pipeline.

    python3 gitlab_drift_children.py regions.json > drift-children.yml
"""

from __future__ import annotations

import json
import shlex
import sys

import yaml  # PyYAML: installed with regionkit

TEMPLATE = """
.drift:
  stage: drift
  image: python:3.11-bookworm
  timeout: 1h
  before_script:
    - curl -fsSL https://get.pulumi.com | sh
    - export PATH="$HOME/.pulumi/bin:$PATH"
    - python -m pip install '.[all]'
    - install -d -m 700 ~/.ssh && cp "$DRIFT_SSH_KEY" ~/.ssh/id_ed25519 && chmod 600 ~/.ssh/id_ed25519
    - cp "$DRIFT_KNOWN_HOSTS" ~/.ssh/known_hosts
  script:
    - mkdir -p reports
    - regionkit inventory "$REGION" --from stack --backend "$REGIONKIT_STATE_BACKEND"
    - regionkit drift "$REGION" --backend "$REGIONKIT_STATE_BACKEND" --format junit --output reports/drift.junit.xml
  after_script:
    - cp .regionkit/drift/*/drift.json .regionkit/drift/*/drift.md .regionkit/drift/*/drift.sarif reports/ || true
  artifacts:
    when: always
    paths: [reports/]
    reports:
      junit: reports/drift.junit.xml
"""


def children(regions: list[dict[str, object]]) -> str:
    applied = sorted(str(r["key"]) for r in regions if r.get("applied"))
    jobs: dict[str, object] = {
        f"drift {key}": {
            "extends": ".drift",
            "tags": [f"regionkit-{key}"],
            "environment": {"name": f"drift/{key}", "action": "verify"},
            "variables": {"REGION": key},
        }
        for key in applied
    }
    if not jobs:
        message = "no region's stack has been created (regionkit up): nothing to check"
        jobs["nothing to check"] = {"stage": "drift", "image": "python:3.11-bookworm", "script": [f"echo {shlex.quote(message)}"]}
    return "stages: [drift]\n" + TEMPLATE + "\n" + yaml.safe_dump(jobs, sort_keys=False)


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        sys.stdout.write(children(json.load(f)))
