#!/usr/bin/python3
"""Debian 12's podman-compose (1.0.3), with two of its gaps closed, for `npm run test:container`.

1. A service with `network_mode` (host, for the test) still gets the project's network added
   (`--net <project>_default`), which podman refuses ("cannot set multiple networks"): such a
   service gets no network arguments here, as Docker's compose does.
2. `stop_grace_period` is ignored, so `stop` waits podman's default 10 s before SIGKILL: here it
   becomes the container's `--stop-timeout`, as Docker's compose does.

Everything else is podman-compose as installed. Usage: /usr/bin/python3 podman-compose.py (Debian's python, where podman-compose is installed) <its arguments>
"""
import re

import podman_compose as pc

_net_args = pc.get_net_args
_container_to_args = pc.container_to_args


def net_args(compose, cnt):
    return [] if cnt.get("network_mode") else _net_args(compose, cnt)


def seconds(duration):
    """A compose duration (60s, 1m30s, 90) in whole seconds."""
    total = 0.0
    for value, unit in re.findall(r"([\d.]+)(h|ms|m|s|us)?", str(duration)):
        total += float(value) * {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "us": 1e-6, "": 1}[unit]
    return max(1, round(total))


def container_to_args(compose, cnt, detached=True):
    args = _container_to_args(compose, cnt, detached)
    grace = cnt.get("stop_grace_period")
    if grace is not None:
        # Among the options, before the image and its command.
        args[1:1] = ["--stop-timeout", str(seconds(grace))]
    return args


pc.get_net_args = net_args
pc.container_to_args = container_to_args

if __name__ == "__main__":
    pc.main()
