// placeholder until the XMPP tests land
