-- One database per service: services never read each other's tables.
CREATE DATABASE catalogue;
CREATE DATABASE applications;
CREATE DATABASE eligibility;
CREATE DATABASE budget;
