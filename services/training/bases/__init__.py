"""Training bases 实训基地 and their utilisation."""
