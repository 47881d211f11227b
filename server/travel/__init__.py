"""The travel log: trips recorded in sealed entries, summarised each month for reimbursement."""
