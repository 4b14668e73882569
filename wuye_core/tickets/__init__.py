"""Tickets (工单): repairs, complaints, inquiries, suggestions and disputes, with SLAs."""
