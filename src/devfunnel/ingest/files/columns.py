"""The column names HubSpot and Salesforce exports use, and the fields they fill.

HubSpot exports name columns by property label ("Company Domain Name"); Salesforce
report exports use field labels ("Account Name") and its data exports use API names
("Name", "NumberOfEmployees"). Both spellings are recognised. Matching ignores case and
spacing. Canonical field names (``external_id``, ``domain``, ...) are always recognised,
so a file written for devfunnel needs no CRM at all. ``owner`` is not an importer field:
CRM exports give the owner's name or email, resolved to a devfunnel user on import.
"""

from __future__ import annotations

Vocabulary = dict[str, str]

HUBSPOT: dict[str, Vocabulary] = {
    "accounts": {
        "Record ID": "external_id", "Company ID": "external_id",
        "Company name": "name", "Name": "name",
        "Company Domain Name": "domain", "Website URL": "domain",
        "Industry": "industry", "Number of Employees": "employees",
        "Annual Revenue": "annual_revenue", "Country/Region": "country",
        "Company owner": "owner", "Currency": "currency",
    },
    "people": {
        "Record ID": "external_id", "Contact ID": "external_id",
        "Email": "email", "Email Address": "email",
        "First Name": "first_name", "Last Name": "last_name",
        "Job Title": "title", "Phone Number": "phone", "Country/Region": "country",
        "Associated Company IDs (Primary)": "account_external_id",
        "Associated Company IDs": "account_external_id",
        "Associated Company ID": "account_external_id",
        "Website URL": "account_domain", "Company Domain Name": "account_domain",
        "Last Modified Date": "updated_at",
    },
    "opportunities": {
        "Record ID": "external_id", "Deal ID": "external_id",
        "Deal Name": "name", "Deal Stage": "stage", "Amount": "amount",
        "Currency": "currency", "Close Date": "close_date", "Deal owner": "owner",
        "Deal Type": "type", "Create Date": "created_at", "Next step": "next_step",
        "Deal probability": "probability", "Forecast category": "forecast_category",
        "Closed lost reason": "lost_reason",
        "Associated Company IDs (Primary)": "account_external_id",
        "Associated Company IDs": "account_external_id",
        "Associated Company ID": "account_external_id",
    },
}  # fmt: skip

SALESFORCE: dict[str, Vocabulary] = {
    "accounts": {
        "Account ID": "external_id", "Id": "external_id",
        "Account Name": "name", "Name": "name", "Website": "domain",
        "Industry": "industry", "Employees": "employees", "NumberOfEmployees": "employees",
        "Annual Revenue": "annual_revenue", "AnnualRevenue": "annual_revenue",
        "Billing Country": "country", "BillingCountry": "country",
        "Billing Country Code": "country", "BillingCountryCode": "country",
        "Account Owner": "owner", "Account Currency": "currency",
        "CurrencyIsoCode": "currency",
    },
    "people": {
        "Contact ID": "external_id", "Id": "external_id",
        "Email": "email", "First Name": "first_name", "FirstName": "first_name",
        "Last Name": "last_name", "LastName": "last_name", "Name": "name",
        "Title": "title", "Phone": "phone",
        "Mailing Country": "country", "MailingCountry": "country",
        "Mailing Country Code": "country", "MailingCountryCode": "country",
        "Account ID": "account_external_id", "AccountId": "account_external_id",
        "Last Modified Date": "updated_at", "LastModifiedDate": "updated_at",
    },
    "opportunities": {
        "Opportunity ID": "external_id", "Id": "external_id",
        "Opportunity Name": "name", "Name": "name",
        "Account ID": "account_external_id", "AccountId": "account_external_id",
        "Stage": "stage", "StageName": "stage", "Amount": "amount",
        "Opportunity Currency": "currency", "Amount Currency": "currency",
        "CurrencyIsoCode": "currency", "Close Date": "close_date", "CloseDate": "close_date",
        "Opportunity Owner": "owner", "Type": "type",
        "Probability (%)": "probability", "Probability": "probability",
        "Next Step": "next_step", "NextStep": "next_step",
        "Created Date": "created_at", "CreatedDate": "created_at",
        "Forecast Category": "forecast_category", "ForecastCategoryName": "forecast_category",
        "Loss Reason": "lost_reason",
    },
}  # fmt: skip

#: Columns whose presence says which CRM wrote the file.
SIGNATURES: dict[str, tuple[str, ...]] = {
    "hubspot": ("Record ID", "Company Domain Name", "Deal Stage", "Deal owner",
                "Company owner", "Contact owner", "Associated Company IDs (Primary)",
                "Associated Company IDs", "Country/Region"),
    "salesforce": ("Account ID", "Contact ID", "Opportunity ID", "Account Name",
                   "Opportunity Name", "StageName", "AccountId", "Billing Country",
                   "Mailing Country", "Account Owner", "Opportunity Owner", "Probability (%)"),
}  # fmt: skip

VOCABULARIES: dict[str, dict[str, Vocabulary]] = {"hubspot": HUBSPOT, "salesforce": SALESFORCE}

#: Columns whose numbers are percentages (Salesforce's 0-100), not fractions.
PERCENT_COLUMNS = frozenset({"probability (%)", "probability"})


def norm(name: str) -> str:
    """A column name for matching: lower case, single spaces, no surrounding blanks."""
    return " ".join(name.replace("_", " ").split()).lower()
