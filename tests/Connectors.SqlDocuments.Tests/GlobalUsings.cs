global using Xunit;
global using IntegrationHub.TestSupport.Ged;
