"""The orders HTTP API, one router module per area; `main.py` includes every router in ROUTERS."""

from fastapi import APIRouter

from sealflow_orders.router import applications, catalog, enterprises, extras, files, orders, processes, slots

ROUTERS: list[APIRouter] = [
    catalog.router,
    enterprises.router,
    files.router,
    applications.router,
    orders.router,
    processes.router,
    slots.router,
    extras.router,
]
