"""Test helpers shipped with the package: protocol tables and fixtures."""
