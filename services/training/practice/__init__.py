"""The shared practice-record service and route factory, used by the nouns not yet written as plain ones."""
