"""Active ISO 4217 alphabetic currency codes accepted as a price currency.

Kept as a plain frozenset (no dependency, nothing to load at cold start). Codes that ISO 4217
defines but that cannot price a trade are left out: ``XXX`` (no currency), ``XTS`` (testing),
and the units of account ``XBA``-``XBD`` (European bond-market units), ``XSU`` (SUCRE) and
``XUA`` (ADB unit of account). Recently withdrawn codes (HRK, CUC, VEF, ...) are left out too.
Update when ISO publishes an amendment: a new code is a one-line change with a test.
"""

from __future__ import annotations

__all__ = ["ISO_4217_CODES"]

ISO_4217_CODES: frozenset[str] = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD
    BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD
    EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD
    IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL
    MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN
    PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP
    STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED
    VES VND VUV WST XAF XAG XAU XCD XCG XDR XOF XPD XPF XPT YER ZAR
    ZMW ZWG ZWL
    """.split()  # noqa: SIM905 - a 170-entry list literal would be 170 lines
)
