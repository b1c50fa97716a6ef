#!/usr/bin/env bash
# Builds (once) the images of the test cluster's real node, without a
# registry, and prints the directory that holds them:
#   pytorch.tar  mltf.local/pytorch:KEY, the files of this machine's Debian
#                packages that a gloo DDP step of PyTorch uses (python3,
#                python3-torch and the libraries it maps) and the shell
#                tools the in-pod launcher needs;
#   pause.tar    mltf.local/pause:KEY, the pods' sandbox container;
#   ref          the pytorch image's name.
# KEY is a hash of the packages' versions and of the image builder, so an
# upgraded package makes a new image. The tarballs are cached under
# $TESTCLUSTER_CACHE/images; containerd loads them with `ctr images import`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.sh"
py=/usr/bin/python3
log() { echo "testcluster: $*" >&2; }

# The packages: whoever owns a file that a DDP step with gloo maps or
# imports, plus the tools of launch.sh and python3 with their dependencies.
probe=$(mktemp)
trap 'rm -f "$probe"' EXIT
port=$($py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
MASTER_ADDR=127.0.0.1 MASTER_PORT=$port $py - >"$probe" <<'PY'
import os, sys, csv, json, tempfile
import torch, torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP
dist.init_process_group("gloo", rank=0, world_size=1)
m = DDP(nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2)))
opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
nn.CrossEntropyLoss()(m(torch.randn(3, 4)), torch.tensor([0, 1, 0])).backward()
opt.step()
d = tempfile.mkdtemp()
torch.save({"m": m.state_dict(), "o": opt.state_dict()}, d + "/s.pt")
torch.load(d + "/s.pt")
dist.destroy_process_group()
seen = set()
for line in open("/proc/self/maps"):
    f = line.split()[5:]
    if f and f[0].startswith(("/usr", "/lib", "/etc")):
        seen.add(f[0])
for mod in list(sys.modules.values()):
    f = getattr(mod, "__file__", None)
    if f and f.startswith("/usr"):
        seen.add(os.path.realpath(f))
print("\n".join(sorted(seen)))
PY
# dpkg knows a file of a merged /usr by the path its package ships
# (/lib/x86_64-linux-gnu/libz.so.1), the loader maps it as /usr/lib/...
owners() { sed 'p; s#^/usr/\(lib\|lib64\|bin\|sbin\)/#/\1/#' "$probe" | sort -u | xargs dpkg -S 2>/dev/null | cut -d: -f1 | tr ', ' '\n\n'; }
# The tools of launch.sh and python3, with what they depend on.
base() {
	apt-cache depends --recurse --installed --no-recommends --no-suggests --no-conflicts --no-breaks \
		--no-replaces --no-enhances dash bash coreutils tar gzip findutils base-files python3 python3.11-minimal libpython3.11-stdlib |
		grep -v '^[ <]'
}
pkgs=$( { owners; base; } | sed '/^$/d' | sort -u)
key=$( { dpkg-query -W -f '${Package} ${Version}\n' $pkgs; cat "$here/images.sh" "$here/image/main.go" "$here/image/pause/main.go" "$here/image/go.sum"; } | sha256sum | cut -c1-16)
dir=$TESTCLUSTER_CACHE/images/$key
if [ -f "$dir/pytorch.tar" ] && [ -f "$dir/pause.tar" ]; then echo "$dir"; exit 0; fi

start=$(date +%s)
mkdir -p "$dir"
tmp=$(mktemp -d "$dir/.build.XXXXXX")
trap 'rm -rf "$tmp" "$probe"' EXIT
export CGO_ENABLED=0 GOFLAGS=-mod=mod GOWORK=off
(cd "$here/image" && go build -trimpath -o "$tmp/image" . && go build -trimpath -o "$tmp/pauseroot/pause" ./pause)
# pause: one static binary at /pause.
echo /pause | "$tmp/image" -root "$tmp/pauseroot" -ref "mltf.local/pause:$key" -o "$tmp/pause.tar" -cmd /pause
# pytorch: the packages' files, the alternatives and loader cache they
# rely on, and the accounts and merged-/usr links of a Debian root.
{
	dpkg -L $pkgs 2>/dev/null
	find /etc/alternatives -maxdepth 1
	find /usr/bin /usr/sbin /usr/lib/x86_64-linux-gnu -maxdepth 1 -lname '/etc/alternatives/*'
	printf '%s\n' /bin /sbin /lib /lib64 /tmp /etc/ld.so.cache /etc/ld.so.conf /etc/passwd /etc/group /etc/nsswitch.conf /etc/os-release /usr/lib/os-release
	ls -d /etc/ld.so.conf.d/* 2>/dev/null
} | sort -u | "$tmp/image" -ref "mltf.local/pytorch:$key" -o "$tmp/pytorch.tar"
log "built image mltf.local/pytorch:$key ($(du -m "$tmp/pytorch.tar" | cut -f1) MB, $(echo $pkgs | wc -w) packages) in $(( $(date +%s) - start ))s"
echo "mltf.local/pytorch:$key" >"$tmp/ref"
mv "$tmp/pause.tar" "$tmp/pytorch.tar" "$tmp/ref" "$dir/"
echo "$dir"
