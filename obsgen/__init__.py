"""obsgen: observability as code — service specs in, rules, routes, dashboards and configs out."""

__version__ = "0.1.0"
