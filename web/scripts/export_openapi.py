"""Write each service's OpenAPI document to web/openapi/<service>.json, from its `create_app()`.

The console's API types are generated from these files (`npm run gen`), so a change in a service's
contract shows up as a type error in the console's build instead of a broken screen. The launcher,
`make lint` and `make web` run it.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

WEB = Path(__file__).resolve().parents[1]
# the services the console talks to, by the name its generated module takes
SERVICES = {
    "approval": "sealflow_approval.main",
    "ticketing": "sealflow_ticketing.main",
    "orders": "sealflow_orders.main",
}


def export(out_dir: Path) -> list[str]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, module_name in SERVICES.items():
        target = out_dir / f"{name}.json"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name.split(".")[0]:
                raise  # the service is here but broken: that must not pass for "not built"
            continue
        document = module.create_app().openapi()
        text = json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        # leave an unchanged file alone, so its timestamp says when the contract last changed
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
        written.append(name)
    return written


if __name__ == "__main__":
    names = export(Path(sys.argv[1]) if len(sys.argv) > 1 else WEB / "openapi")
    print("openapi:", ", ".join(names))
