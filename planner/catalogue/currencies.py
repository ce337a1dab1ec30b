"""ISO 4217 currency codes: the currencies a catalogue may be priced in.

The active codes of the ISO 4217 list (maintained by SIX on behalf of ISO, amendments
to 2025, including XCG, the Caribbean guilder, and ZWG), with the fund codes (CLF, COU, ...)
that appear in the same list. A code not here is a typo (``UDS``) or an invented one.
"""

from __future__ import annotations

ISO_4217 = frozenset("""
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD
CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP
GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW
KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN
NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL
SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES
VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL
""".split())


def check_currency(code: str) -> str:
    """Return ``code`` when it is an ISO 4217 currency code; raise ValueError otherwise."""
    if code not in ISO_4217:
        raise ValueError(f"got '{code}'; expected an ISO 4217 currency code such as USD, EUR or GBP")
    return code
