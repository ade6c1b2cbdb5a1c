"""The Kivy touch UI. Importing this package imports no Kivy: modules that need it
do so themselves, after kiosk.main has configured Kivy's environment."""
