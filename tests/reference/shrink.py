#!/usr/bin/python3
"""Shrinks a scenario on which plantwin and the reference disagree to a small one that still does.

    shrink.py SCENARIO OUT.yaml [--plantwin PATH]

Greedy: tries, one at a time, to bypass a one-input one-output component, drop a source or an
input link, drop failures, servers, shifts, breaks and conveyor/source options, and to cut the
horizon to just after the first differing exit; keeps every change after which the two still
disagree. OUT.yaml is written next to the trace files it reads (same folder as SCENARIO).
"""
import argparse
import copy
import os
import sys
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import compare  # noqa: E402
import refsim  # noqa: E402


def links_of(doc):
    out = []
    for chain in doc["flow"]:
        names = [n.strip() for n in chain.split("->")]
        out += list(zip(names, names[1:]))
    return out


def dump(doc, links, path):
    doc = copy.deepcopy(doc)
    doc["flow"] = [f"{a} -> {b}" for a, b in links]
    with open(path, "w") as f:
        yaml.safe_dump(doc, f, sort_keys=False, width=1000)


def disagreement(doc, links, directory, plantwin):
    path = os.path.join(directory, "_shrink_try.yaml")
    dump(doc, links, path)
    try:
        theirs = refsim.simulate(path)
        with tempfile.TemporaryDirectory() as tmp:
            ours = compare.plantwin_exits(plantwin, path, tmp, timeout=30)
    except Exception:  # noqa: BLE001 (an invalid shrink step)
        return None
    return compare.first_difference_at(ours, theirs)


def candidates(doc, links):
    comps = doc["components"]
    for name in list(comps):
        ins = [l for l in links if l[1] == name]
        outs = [l for l in links if l[0] == name]
        kind = comps[name]["type"]
        if kind == "source":
            d = copy.deepcopy(doc)
            del d["components"][name]
            yield d, [l for l in links if name not in l]
        if len(ins) == 1 and len(outs) == 1 and kind in ("machine", "buffer", "conveyor", "split"):
            a, b = ins[0][0], outs[0][1]
            endless = comps[a]["type"] == "source" and "interarrival" not in comps[a]
            if endless and comps[b]["type"] not in ("machine", "conveyor", "assembly"):
                continue  # an endless supply straight into a buffer or a sink never stops
            if (a, b) not in links:
                d = copy.deepcopy(doc)
                del d["components"][name]
                i = links.index(ins[0])
                new = [l for l in links if name not in l]
                new.insert(min(i, len(new)), (a, b))
                yield d, new
        if len(ins) > 1:
            for l in ins:
                yield doc, [x for x in links if x != l]
        if kind == "machine":
            for keys in (("ttf", "ttr", "failure_clock"), ("servers",), ("failure_clock",)):
                if any(k in comps[name] for k in keys):
                    d = copy.deepcopy(doc)
                    for k in keys:
                        d["components"][name].pop(k, None)
                    yield d, links
        for key in ("when_blocked", "accumulating", "capacity"):
            if key in comps[name] and kind in ("source", "conveyor") and key != "capacity":
                d = copy.deepcopy(doc)
                del d["components"][name][key]
                yield d, links
    if "shifts" in doc:
        d = copy.deepcopy(doc)
        del d["shifts"]
        yield d, links
        if "breaks" in doc["shifts"]:
            d = copy.deepcopy(doc)
            del d["shifts"]["breaks"]
            yield d, links


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario")
    ap.add_argument("out")
    ap.add_argument("--plantwin", default=os.path.join(HERE, "..", "..", "build", "ci", "plantwin"))
    ap.add_argument("--reading", action="append", default=[], metavar="SWITCH=VALUE")
    args = ap.parse_args()
    compare.apply_readings(args.reading)
    directory = os.path.dirname(os.path.abspath(args.scenario))
    with open(args.scenario) as f:
        doc = yaml.safe_load(f)
    links = links_of(doc)
    found = disagreement(doc, links, directory, args.plantwin)
    if found is None:
        sys.exit("plantwin and the reference agree on this scenario")
    changed = True
    while changed:
        changed = False
        for d, l in candidates(doc, links):
            w = disagreement(d, l, directory, args.plantwin)
            if w is not None:
                doc, links, found, changed = d, l, w, True
                print(f"{len(doc['components'])} components: {found[0]}", flush=True)
                break
        if not changed:  # cut the horizon to just after the first differing exit
            cut = found[1] + 1
            if cut < refsim.parse_duration(doc["horizon"]):
                d = copy.deepcopy(doc)
                d["horizon"] = f"{cut:.17g} s"
                w = disagreement(d, links, directory, args.plantwin)
                if w is not None:
                    doc, found, changed = d, w, True
    out = os.path.join(directory, os.path.basename(args.out)) if not os.path.isabs(args.out) else args.out
    dump(doc, links, out)
    os.remove(os.path.join(directory, "_shrink_try.yaml"))
    print(f"{out}: {found[0]}")


if __name__ == "__main__":
    main()
