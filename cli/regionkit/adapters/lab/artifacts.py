"""Stand-in vendor artifacts for the lab.

The PPU SDK, Huawei's CANN run-packages and AMD's ROCm packages are not public, so the lab
builds stand-ins under the vendors' file names, with their installer options and install
layout, so that the roles' download, checksum, install and configure logic runs for real. They
install version files and stub tools that say they are stand-ins; they drive no device.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from regionkit.planning.artifacts import ArtifactPlan

RUN_TEMPLATE = """#!/bin/sh
# regionkit lab stand-in for {filename} (not the vendor's software).
# Accepts the vendor installer's options; installs a version file and stub tools.
set -e
prefix={default_prefix}
for arg in "$@"; do
  case "$arg" in --install-path=*) prefix="${{arg#*=}}" ;; esac
done
dir="$prefix/{subdir}"
mkdir -p "$dir/bin"
printf 'Version={version}\\n' > "$dir/{version_file}"
{tools}
echo "installed {filename} stand-in into $dir"
"""
TOOL = """cat > "$dir/bin/{tool}" <<'EOS'
#!/bin/sh
echo "{tool} version {version} (regionkit lab stand-in; no device)"
EOS
chmod 0755 "$dir/bin/{tool}"
"""

# name -> (default prefix, subdir under prefix, version file, tools)
RUN_LAYOUT = {
    "ppu-sdk": ("/opt/t-head/ppu", ".", "version.txt", ["ppu-smi"]),
    "ascend-npu-driver": ("/usr/local/Ascend", "driver", "version.info", ["npu-smi"]),
    "ascend-npu-firmware": ("/usr/local/Ascend", "firmware", "version.info", []),
    "ascend-cann-toolkit": ("/usr/local/Ascend", "ascend-toolkit/{version}", "version.cfg", ["hccl_test"]),
}
DEB_TOOLS = {
    "rocm-rocminfo": ("rocminfo", "rocminfo"),
    "rocm-smi-lib": ("rocm-smi-lib", "rocm-smi"),
    "rocm-rccl": ("rccl", ""),
}


def build(artifact: ArtifactPlan, folder: Path) -> Path:
    """Write the stand-in for one artifact into folder; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / artifact.filename
    if artifact.filename.endswith(".run"):
        prefix, subdir, version_file, tools = RUN_LAYOUT[artifact.name]
        subdir = subdir.format(version=artifact.version)
        if artifact.name == "ascend-cann-toolkit":  # a toolkit also ships its set_env.sh
            tools_text = TOOL.format(tool="hccl_test", version=artifact.version) + (
                'printf "export ASCEND_TOOLKIT_HOME=$dir\\n" > "$prefix/ascend-toolkit/set_env.sh"\n'
            )
        else:
            tools_text = "".join(TOOL.format(tool=t, version=artifact.version) for t in tools)
        target.write_text(
            RUN_TEMPLATE.format(
                filename=artifact.filename,
                default_prefix=prefix,
                subdir=subdir,
                version=artifact.version,
                version_file=version_file,
                tools=tools_text,
            )
        )
        target.chmod(0o755)
        return target
    package, tool = DEB_TOOLS[artifact.name]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "pkg"
        (root / "DEBIAN").mkdir(parents=True)
        (root / "DEBIAN" / "control").write_text(
            f"Package: {package}\nVersion: {artifact.version}\nArchitecture: amd64\n"
            "Maintainer: regionkit lab <lab@regionkit.invalid>\n"
            f"Description: regionkit lab stand-in for AMD's {package} (no device support)\n"
        )
        share = root / "opt" / f"rocm-{artifact.version}" / "share" / package
        share.mkdir(parents=True)
        (share / "VERSION").write_text(artifact.version + "\n")
        if tool:
            bindir = root / "usr" / "bin"
            bindir.mkdir(parents=True)
            (bindir / tool).write_text(f"#!/bin/sh\necho '{tool} version {artifact.version} (regionkit lab stand-in; no device)'\n")
            (bindir / tool).chmod(0o755)
        # A fixed timestamp makes the package byte-for-byte the same on every build, so the lab's
        # pinned sums (group_vars/all/artifacts.yml) do not change from one sync to the next.
        for path in sorted(root.rglob("*")):
            os.utime(path, (0, 0), follow_symlinks=False)
        subprocess.run(
            ["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", str(root), str(target)],
            check=True,
            capture_output=True,
            env={**os.environ, "SOURCE_DATE_EPOCH": "0"},
        )
    return target


def build_all(artifacts: list[ArtifactPlan], folder: Path) -> list[Path]:
    return [build(a, folder) for a in artifacts]
