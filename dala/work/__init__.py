"""The shared work-order domain: customers, sites, technicians, skills, jobs."""
