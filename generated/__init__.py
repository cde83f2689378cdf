"""Generated STIX bindings: one subpackage per schema bundle, and `parse` for any of them."""
