"""Build glue that pyproject.toml cannot express: the package list plus the data-only package
``dyadscore.instrument_files``, which setuptools maps (``package-dir`` in pyproject.toml) onto
the top-level ``instruments/`` folder so the shipped instruments travel inside the wheel."""

from setuptools import find_namespace_packages, setup

packages = find_namespace_packages("src", include=["dyadscore*"], exclude=["*__pycache__*"])
setup(packages=[*packages, "dyadscore.instrument_files"])
