#!/usr/bin/env python3
"""Unpacks Debian 11 (bullseye) amd64 packages into a folder, without installing them.

Usage: bullseye_debs.py DEST CACHE PACKAGE...

Each package's newest build is looked up in the bullseye-security and bullseye `Packages`
indexes, downloaded into CACHE (kept across runs, checked against the index's SHA-256) and
unpacked into DEST with `dpkg-deb -x` (or a stdlib `ar` + `tar` reader where dpkg-deb is
missing). Only the standard library is used, so any Python 3 runs it.
"""

import hashlib
import io
import lzma
import os
import shutil
import subprocess
import sys
import tarfile
import urllib.request

# Searched in order: the first index that lists a package supplies it, so security updates win.
INDEXES = [
    ("http://deb.debian.org/debian-security", "bullseye-security"),
    ("http://security.debian.org/debian-security", "bullseye-security"),
    ("http://deb.debian.org/debian", "bullseye"),
]
TIMEOUT = 120


def fetch(url):
    """The body of `url`, or an OSError naming it."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            return response.read()
    except Exception as error:  # urllib raises several unrelated types
        raise OSError(f"cannot download {url}: {error}") from error


def parse_index(text):
    """Package name -> its stanza (a dict of fields) for one `Packages` file."""
    packages = {}
    for stanza in text.split("\n\n"):
        fields = {}
        for line in stanza.splitlines():
            if line and not line[0].isspace() and ":" in line:
                key, value = line.split(":", 1)
                fields[key] = value.strip()
        if "Package" in fields:
            packages[fields["Package"]] = fields
    return packages


def locate(names):
    """Package name -> (download URL, SHA-256) for every requested package."""
    found = {}
    suites_seen = set()
    for base, suite in INDEXES:
        if suite in suites_seen:
            continue
        url = f"{base}/dists/{suite}/main/binary-amd64/Packages.xz"
        try:
            index = parse_index(lzma.decompress(fetch(url)).decode("utf-8"))
        except OSError as error:
            print(f"  skipping index: {error}", file=sys.stderr)
            continue
        suites_seen.add(suite)
        for name in names:
            if name not in found and name in index:
                fields = index[name]
                print(f"  {name} {fields['Version']} ({suite})")
                found[name] = (f"{base}/{fields['Filename']}", fields["SHA256"])
    missing = [name for name in names if name not in found]
    if missing:
        raise OSError(f"not found in any bullseye index: {' '.join(missing)}")
    return found


def download(url, sha256, cache):
    """The path of the verified `.deb` in `cache`, downloading it when absent or corrupt."""
    path = os.path.join(cache, url.rsplit("/", 1)[1])
    if os.path.exists(path):
        with open(path, "rb") as existing:
            if hashlib.sha256(existing.read()).hexdigest() == sha256:
                return path
    body = fetch(url)
    if hashlib.sha256(body).hexdigest() != sha256:
        raise OSError(f"checksum mismatch for {url}")
    with open(path + ".part", "wb") as part:
        part.write(body)
    os.replace(path + ".part", path)
    return path


def unpack(deb, dest):
    """Extracts the files of `deb` (not its maintainer scripts) under `dest`."""
    if shutil.which("dpkg-deb"):
        subprocess.run(["dpkg-deb", "-x", deb, dest], check=True)
        return
    with open(deb, "rb") as archive:
        data = archive.read()
    if not data.startswith(b"!<arch>\n"):
        raise OSError(f"{deb} is not an ar archive")
    offset = 8
    while offset < len(data):
        name = data[offset : offset + 16].decode().strip().rstrip("/")
        size = int(data[offset + 48 : offset + 58].decode().strip())
        body = data[offset + 60 : offset + 60 + size]
        if name.startswith("data.tar"):
            with tarfile.open(fileobj=io.BytesIO(body)) as tar:
                tar.extractall(dest, filter="tar")
            return
        offset += 60 + size + (size % 2)
    raise OSError(f"{deb} has no data member")


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    dest, cache, names = argv[0], argv[1], argv[2:]
    os.makedirs(dest, exist_ok=True)
    os.makedirs(cache, exist_ok=True)
    try:
        for name, (url, sha256) in sorted(locate(names).items()):
            unpack(download(url, sha256, cache), dest)
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"bullseye_debs: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
