"""Code generator that renders Python bindings from the STIX 1.x XML Schemas."""
