"""Build glue that pyproject.toml cannot express: the package list plus the data-only package
``dyadscore.instrument_files``, which setuptools maps (``package-dir`` in pyproject.toml) onto
the top-level ``instruments/`` folder so the shipped instruments travel inside the wheel."""

from setuptools import find_packages, setup

setup(packages=[*find_packages("src"), "dyadscore.instrument_files"])
