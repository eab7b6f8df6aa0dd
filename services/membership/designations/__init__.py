"""The designation register 认定与称号登记: programmes and lists a subject is entered in, with their stages."""
