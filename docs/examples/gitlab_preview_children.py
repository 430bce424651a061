"""Write the child pipeline of docs/examples/gitlab-merge-request.yml: one preview job per region
whose stack was created (`regionkit regions --format json`, field `applied`); each posts its
diff on the merge request. A fleet with none gets one job that says so (GitLab refuses an empty
pipeline).

    python3 gitlab_preview_children.py regions.json > preview-children.yml
"""

from __future__ import annotations

import json
import shlex
import sys

import yaml  # PyYAML: installed with regionkit

TEMPLATE = """
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
"""


def children(regions: list[dict[str, object]]) -> str:
    applied = sorted(str(r["key"]) for r in regions if r.get("applied"))
    jobs: dict[str, object] = {
        f"preview {key}": {
            "extends": ".preview",
            "environment": {"name": f"preview/{key}", "action": "verify"},
            "variables": {"REGION": key},
        }
        for key in applied
    }
    if not jobs:
        message = "no region's stack has been created (regionkit up): nothing to preview"
        jobs["nothing to preview"] = {"stage": "preview", "image": "python:3.11-bookworm", "script": [f"echo {shlex.quote(message)}"]}
    return "stages: [preview]\n" + TEMPLATE + "\n" + yaml.safe_dump(jobs, sort_keys=False)


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        sys.stdout.write(children(json.load(f)))
