"""Explicit grid positions and panel ids (the SDK's auto-layout treats x=0,y=0 as "unset")."""

from __future__ import annotations

from obsgen.render.grafana.sdk import board, model

WIDTH = 24  # Grafana's grid is 24 columns wide


class Layout:
    """Places panels left to right, wrapping at 24 columns; rows span the width."""

    def __init__(self) -> None:
        self.x = self.y = self.line_height = 0
        self.next_id = 1
        self.items: list[tuple[str, object]] = []

    def newline(self) -> None:
        if self.x:
            self.y += self.line_height
        self.x = self.line_height = 0

    def row(self, title: str) -> None:
        self.newline()
        row = board.Row(title).id(self._id()).collapsed(False).grid_pos(model.GridPos(h=1, w=WIDTH, x=0, y=self.y))
        self.items.append(("row", row))
        self.y += 1

    def add(self, panel, w: int, h: int) -> None:
        if not 0 < w <= WIDTH:
            raise ValueError(f"panel width {w} outside 1..{WIDTH}")
        if self.x + w > WIDTH:
            self.newline()
        panel.id(self._id()).grid_pos(model.GridPos(h=h, w=w, x=self.x, y=self.y))
        self.items.append(("panel", panel))
        self.x += w
        self.line_height = max(self.line_height, h)
        if self.x == WIDTH:
            self.newline()

    def apply(self, dashboard):
        for kind, item in self.items:
            dashboard = dashboard.with_row(item) if kind == "row" else dashboard.with_panel(item)
        return dashboard

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id - 1
