"""What the HTTP handlers share: request/response models and the resolver glue."""
