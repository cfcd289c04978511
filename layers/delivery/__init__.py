"""The shared outbox: messages written with the change they tell of, delivered once, dead letters kept."""
