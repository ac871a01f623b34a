using IntegrationHub.TestSupport.Twilio;

// Starts a Twilio stand-in on 127.0.0.1 and prints how to configure a hub connector against it; Ctrl+C stops it.
await using var twilio = await TwilioStandIn.StartAsync();
Console.WriteLine($"Twilio stand-in: baseUrl={twilio.BaseUrl} accountSid={twilio.AccountSid} authToken={twilio.AuthToken}");
Console.WriteLine("Messages received are printed below.");

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
var printed = 0;
using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
try
{
    while (await timer.WaitForNextTickAsync(stop.Token))
    {
        foreach (var message in twilio.Messages.Skip(printed))
        {
            Console.WriteLine($"SMS {message.Sid} to {message.To}: {message.Body}");
            printed++;
        }
    }
}
catch (OperationCanceledException)
{
    Console.WriteLine($"Stopped after {printed} message(s).");
}
