"""Provider clients (httpx): a Twilio-compatible SMS transport and a Klaviyo-compatible
profiles/activity API. Plain Python; the sync engine drives them."""
