"""Write the child pipelines of docs/examples/gitlab-drift.yml and gitlab-merge-request.yml: one
job per region whose stack was created (`regionkit regions --format json`, field `applied`). A
drift job runs on its region's own runner (tag regionkit-<region>: the management range is
private); a preview job posts its diff on the merge request. A fleet with none gets one job that
says so, since GitLab refuses an empty pipeline.

    python3 gitlab_children.py drift regions.json > drift-children.yml
    python3 gitlab_children.py preview regions.json > preview-children.yml
"""

from __future__ import annotations

import json
import shlex
import sys

import yaml  # PyYAML: installed with regionkit

TEMPLATES = {
    "drift": """
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
""",
    "preview": """
.preview:
  stage: preview
  image: python:3.11-bookworm
  timeout: 30m
  before_script:
    - curl -fsSL https://get.pulumi.com | sh
    - export PATH="$HOME/.pulumi/bin:$PATH"
    - python -m venv .venv && .venv/bin/python -m pip install '.[aws,alicloud]'
  script:
    - mkdir -p reports
    - .venv/bin/regionkit preview "$REGION" --refresh --backend "$REGIONKIT_STATE_BACKEND" 2>&1 | tee reports/preview.txt
    - printf '### regionkit preview %s\\n\\n```\\n' "$REGION" > reports/note.md
    - tail -c 60000 reports/preview.txt >> reports/note.md && printf '```\\n' >> reports/note.md
    - >-
      curl -fsS --request POST --header "PRIVATE-TOKEN: $PREVIEW_NOTE_TOKEN"
      --data-urlencode "body@reports/note.md"
      "$CI_API_V4_URL/projects/$CI_PROJECT_ID/merge_requests/$CI_MERGE_REQUEST_IID/notes"
  artifacts:
    when: always
    paths: [reports/]
""",
}


def children(kind: str, regions: list[dict[str, object]]) -> str:
    applied = sorted(str(r["key"]) for r in regions if r.get("applied"))
    jobs: dict[str, object] = {}
    for key in applied:
        job: dict[str, object] = {"extends": f".{kind}", "environment": {"name": f"{kind}/{key}", "action": "verify"}}
        if kind == "drift":
            job["tags"] = [f"regionkit-{key}"]
        job["variables"] = {"REGION": key}
        jobs[f"{kind} {key}"] = job
    if not jobs:
        message = f"no region's stack has been created (regionkit up): nothing to {'check' if kind == 'drift' else 'preview'}"
        jobs[f"{kind}: nothing to do"] = {"stage": kind, "image": "python:3.11-bookworm", "script": [f"echo {shlex.quote(message)}"]}
    return f"stages: [{kind}]\n" + TEMPLATES[kind] + "\n" + yaml.safe_dump(jobs, sort_keys=False)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in TEMPLATES:
        sys.exit("usage: gitlab_children.py drift|preview regions.json")
    with open(sys.argv[2], encoding="utf-8") as f:
        sys.stdout.write(children(sys.argv[1], json.load(f)))
