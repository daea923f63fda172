#!/usr/bin/env python3
"""Checks that every public no_std function of stacknet is in the no-panic image.

Usage: coverage.py STACKNET_JSON IMAGE_ELF EXEMPT_TXT
       coverage.py --list STACKNET_JSON          (the public functions only)

The public functions come from rustdoc's JSON output (`cargo +nightly rustdoc -- -Z
unstable-options --output-format json`, no features: the no_std API). The functions in the
image come from its DWARF debug info: every subprogram with code, and every function
inlined somewhere (`DW_TAG_inlined_subroutine`), so a public method that LTO inlined into
`_start` still counts; one that was never called, or whose code was optimized away
entirely, does not. A function is missing unless it is in the image or in EXEMPT_TXT
(one name per line, then `#` and the reason). Exit status 1 lists what is missing.

Names look like the demangled names in the image's debug info, without generic arguments:
    stacknet::replay::ReplayBuffer::train_epoch          inherent method
    stacknet::clip::global_norm                          free function
    <stacknet::layers::softmax::Softmax as stacknet::layer::Layer>::backward
    stacknet::layer::Layer::infer                        a provided (default) trait method

Only the crate's own traits count as entry points: `Debug`, `Default`, `Clone`,
`Display`, ... impls are derived or formatting, not training or inference paths. Items
behind the `std` feature are absent because the JSON is generated without features.
"""
import json
import os
import re
import subprocess
import sys


def public_functions(path):
    doc = json.load(open(path))
    index, paths = doc["index"], doc["paths"]

    def path_of(item_id):
        entry = paths.get(str(item_id))
        return "::".join(entry["path"]) if entry and entry["crate_id"] == 0 else None

    out = set()
    local_traits = {}
    for item_id, item in index.items():
        if item["crate_id"] != 0:
            continue
        inner = item["inner"]
        if "trait" in inner and item["visibility"] == "public":
            local_traits[int(item_id)] = item
        if "function" in inner and item["visibility"] == "public" and path_of(item_id):
            out.add(path_of(item_id))
    for item_id, item in index.items():
        impl = item["inner"].get("impl")
        if item["crate_id"] != 0 or not impl or impl["is_synthetic"] or impl["blanket_impl"]:
            continue
        if any("automatically_derived" in str(a) for a in item["attrs"]):
            continue
        target = impl["for"].get("resolved_path")
        if not target or not path_of(target["id"]):
            continue  # impls for arrays, tuples, references: reached through the types
        self_path = path_of(target["id"])
        trait = impl["trait"]
        if trait is not None and trait["id"] not in local_traits:
            continue
        for method_id in impl["items"]:
            method = index[str(method_id)]
            if "function" not in method["inner"]:
                continue
            if trait is None:
                if method["visibility"] == "public":
                    out.add(f"{self_path}::{method['name']}")
            else:
                out.add(f"<{self_path} as {path_of(trait['id'])}>::{method['name']}")
        if trait is not None:
            for name in impl["provided_trait_methods"]:
                out.add(f"{path_of(trait['id'])}::{name}")
    return out


ESCAPES = {"$LT$": "<", "$GT$": ">", "$C$": ",", "$u20$": " ", "$u7b$": "{", "$u7d$": "}",
           "$RF$": "&", "$BP$": "*", "$LP$": "(", "$RP$": ")", "$SP$": "@", "$u27$": "'",
           "$u5b$": "[", "$u5d$": "]", "$u3b$": ";", "$u7e$": "~", "$u22$": '"'}


def demangle(name):
    """Rust's legacy mangling: _ZN, length-prefixed parts, a hash part, E."""
    m = re.fullmatch(r"_ZN(.*)E", name)
    if not m:
        return None
    rest, parts = m.group(1), []
    while rest:
        n = re.match(r"\d+", rest)
        if not n:
            return None
        size = int(n.group())
        part, rest = rest[n.end():n.end() + size], rest[n.end() + size:]
        parts.append(part)
    if parts and re.fullmatch(r"h[0-9a-f]{16}", parts[-1]):
        parts.pop()
    out = "::".join(p[1:] if p.startswith("_$") else p for p in parts)
    for esc, char in ESCAPES.items():
        out = out.replace(esc, char)
    return out.replace("..", "::")


def without_generics(name):
    """`<a::B<_, _> as c::D<L>>::f::{{closure}}` -> `<a::B as c::D>::f`."""
    name = re.sub(r"(::\{\{closure\}\}|::\{\{constant\}\})+$", "", name)
    out, depth_kept, i = [], [], 0
    while i < len(name):
        ch = name[i]
        if ch == "<" and out and re.match(r"[A-Za-z0-9_]", out[-1]):
            # Generic arguments: skip to the matching `>`.
            depth = 1
            i += 1
            while i < len(name) and depth:
                depth += {"<": 1, ">": -1}.get(name[i], 0)
                i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out).replace(" as ", " as ")


def functions_in_image(elf):
    """Demangled names of the functions that have code in the image."""
    dump = subprocess.run(["llvm-dwarfdump", "--debug-info", elf], check=True,
                          capture_output=True, text=True).stdout
    # A definition often names its function only through DW_AT_specification (the
    # declaration inside the type's scope), so names are resolved through it.
    linkage, specification, live, origins = {}, {}, set(), []
    die = None
    for line in dump.splitlines():
        head = re.match(r"^(0x[0-9a-f]+):\s+(DW_TAG_\w+)", line)
        if head:
            die = {"off": int(head.group(1), 16), "tag": head.group(2), "code": False}
            continue
        if die is None:
            continue
        attr = re.match(r"^\s+(DW_AT_\w+)\s+(.*)$", line)
        if not attr:
            continue
        key, value = attr.groups()
        if key == "DW_AT_linkage_name":
            linkage[die["off"]] = value.strip('()"')
        elif key in ("DW_AT_low_pc", "DW_AT_ranges"):
            die["code"] = True
            if die["tag"] == "DW_TAG_subprogram":
                live.add(die["off"])
        elif key == "DW_AT_specification":
            specification[die["off"]] = int(value.split()[0].strip("()"), 16)
        elif key == "DW_AT_abstract_origin" and die["tag"] in (
                "DW_TAG_inlined_subroutine", "DW_TAG_subprogram"):
            origins.append(int(value.split()[0].strip("()"), 16))
    live.update(origins)
    names = set()
    for off in live:
        off = off if off in linkage else specification.get(off, off)
        if off in linkage:
            plain = demangle(linkage[off])
            if plain:
                names.add(without_generics(plain))
    return names


def main(argv):
    if argv[:1] == ["--list"]:
        for line in sorted(public_functions(argv[1])):
            print(line)
        return 0
    json_path, elf, exempt_path = argv
    wanted = public_functions(json_path)
    exempt = {}
    for line in open(exempt_path):
        name, _, why = line.partition("#")
        if name.strip():
            exempt[name.strip()] = why.strip()
    if not os.path.exists(elf):
        print(f"no-panic coverage: {elf} does not exist (did the image link?)")
        return 1
    present = functions_in_image(elf)
    missing = sorted(wanted - present - exempt.keys())
    stale = sorted(name for name in exempt if name not in wanted or name in present)
    print(f"no-panic coverage: {len(wanted)} public no_std functions, "
          f"{len(wanted & present)} in the image, {len(exempt.keys() & wanted - present)} exempt")
    for name in stale:
        print(f"  note: exempt but {'in the image' if name in present else 'not public any more'}: "
              f"{name} (remove it from {exempt_path})")
    for name in missing:
        print(f"  MISSING from the image: {name}")
    if missing:
        print("Call each from tools/nopanic/src/main.rs (arguments through black_box), or list "
              f"it in {exempt_path} with the reason it cannot panic or cannot be called there.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
