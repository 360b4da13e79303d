"""Simulated points as a registry file for `bridgewatch import`, and the reverse."""

from __future__ import annotations

from bridgewatch.registry.table import COLUMNS, write_csv
from bridgewatch.simulator.faults import FAULTS
from bridgewatch.simulator.server import SimulatedPoint

PER_CLUSTER = 100


def registry_rows(points: list[SimulatedPoint], *, province: str = "Tỉnh Mô phỏng") -> list[dict]:
    rows = []
    for index, point in enumerate(points, start=1):
        rows.append(
            {
                "code": f"SIM-{index:05d}",
                "name": f"Điểm cầu mô phỏng {index:05d}",
                "unit_path": f"{province} / Cụm {(index - 1) // PER_CLUSTER + 1:03d}",
                "host": point.host,
                "icmp": "yes",
                "tcp_ports": " ".join(str(p) for p in point.tcp_ports),
                "sip_port": point.sip_port or "",
                "http_url": f"http://{point.host}:{point.http_port}/" if point.http_port else "",
                "contact_name": "Kỹ thuật viên mô phỏng",
                "contact_phone": f"0900 {index // 1000:03d} {index % 1000:03d}",
                "equipment": "bridgewatch simulated codec",
                "link_type": "lan",
                "hall_capacity": 50,
                "tags": "sim" + (f" {point.fault}" if point.fault else ""),
                "active": "yes",
                "notes": FAULTS.get(point.fault or "", ""),
            }
        )
    return rows


def registry_csv(points: list[SimulatedPoint]) -> bytes:
    return write_csv(registry_rows(points), COLUMNS)
