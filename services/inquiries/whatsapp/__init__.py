"""WhatsApp Cloud API: the webhook that receives citizens' messages and delivery statuses,
and the Graph API calls that send staff's public replies back (by the worker)."""
