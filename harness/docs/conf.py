# SPDX-License-Identifier: GPL-2.0
"""Sphinx configuration for building only the suite's documentation
(Documentation/driver-api/kho-devices.rst and the kernel-doc it pulls in)
with the kernel tree's own kernel-doc extension; harness/build-docs.sh
runs it. srctree (environment) is the kernel tree."""
import os
import sys

srctree = os.path.abspath(os.environ["srctree"])
sys.path.insert(0, os.path.join(srctree, "Documentation", "sphinx"))

project = "kho-devices"
master_doc = "index"
extensions = ["kerneldoc", "rstFlatTable"]
kerneldoc_srctree = srctree
primary_domain = "c"
highlight_language = "none"
html_theme = "alabaster"
