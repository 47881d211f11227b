"""The service provider directory: where a coordinator refers a person to, per team country."""
