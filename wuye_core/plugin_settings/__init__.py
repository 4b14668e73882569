"""Plugin settings per tenant and community (HTTP): enabling, config, history."""
