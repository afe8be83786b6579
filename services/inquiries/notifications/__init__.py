"""Citizens' notifications: the reference on intake, public replies, requests for more
details, the resolution and then the survey invitation with its link, on the channel the
citizen wrote from (WhatsApp, SMS or e-mail), in Arabic or English, worded per
organization, never to a contact that opted out."""
